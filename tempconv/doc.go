// Package tempconv is the smallest netlab service: a temperature converter
// that answers each line holding degrees Celsius with one line holding
// degrees Fahrenheit, trading every feature but correctness for a session
// short enough to read in one sitting.
//
// It is sans-I/O like every netlab service, so it runs unchanged under all
// five models, over UDP (udp.Options{Lines: true}) and in the browser
// page's line console. That makes it the first lab's starting point: the
// whole protocol is below, and the whole session is one small file.
//
// # Protocol
//
// A client sends lines; each ends with LF, and a CR right before the LF is
// dropped. A last line without LF when the client half-closes counts as a
// line. For each line the server sends exactly one line back, in order,
// except that an empty line (or one of only spaces and tabs) gets nothing,
// so it can serve as a keep-alive.
//
//   - Input: degrees Celsius as a decimal number, with spaces or tabs
//     around it allowed: an optional sign, digits, an optional point and
//     more digits, at least one digit in all ("21", "-40", "+36.6", ".5",
//     "5."). No exponent, no comma, no unit.
//   - Output: degrees Fahrenheit, F = C × 9/5 + 32, rounded to the nearest
//     hundredth and written in the shortest form that says that value, with
//     no exponent and no plus sign: "100" gives "212", "36.6" gives
//     "97.88", "-40" gives "-40", "21.5" gives "70.7", "-17.7778" gives "0".
//   - Errors, one line each, after which the connection stays open:
//     "! not a number" for any other text; "! out of range" below absolute
//     zero (-273.15 °C) or above 1,000,000,000 °C; "! line too long" for a
//     line over [MaxLine] bytes (not counting CR LF), which is then
//     discarded up to its LF without being held in memory.
//
// A session, the client's lines marked ">" and the server's "<":
//
//	> 100
//	< 212
//	> -40
//	< -40
//	>  36.6
//	< 97.88
//	> warm
//	< ! not a number
//	> -300
//	< ! out of range
//
// docs/transports.md shows it over UDP as well.
package tempconv
