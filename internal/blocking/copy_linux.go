package blocking

import "math"

// copyChunk is how much of a file region one io.CopyN sends. On Linux the
// whole region goes in one copy: sendfile(2) moves the file's position as
// the socket takes bytes, which is how watchCopy sees a download progress.
const copyChunk = math.MaxInt64
