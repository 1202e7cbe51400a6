// Package results is the record of a measurement: one [Cell] per model ×
// service × load, the [Machine] it ran on, and encoders that write them as
// JSON and CSV with every unit spelled out in the field's name. It trades
// compactness for honesty: a number that was not measured is absent (null
// in JSON, empty in CSV) and the cell says why, so no reader, human or
// script, takes "not measured" for zero.
package results
