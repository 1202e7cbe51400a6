//go:build !linux

package blocking

// copyChunk is how much of a file region one io.CopyN sends. Elsewhere the
// runtime's sendfile passes its own offset and moves the file's position
// only when a copy ends, so a region goes in chunks, each small enough to
// end well within an idle timeout for a slow but steady reader: watchCopy
// sees progress once per chunk.
const copyChunk = 128 << 10
