// Package termui is the line editor that netlab's interactive clients (the
// chat screen and the files shell) share: one input line with the editing
// keys of a shell, history and completion, as a piece of a Bubble Tea
// model.
//
// It trades breadth for size: it edits one line of text, with no
// multi-line input, no kill ring beyond one cut and no mouse, which is all
// a chat line or a shell command needs, in a couple of hundred lines
// instead of a further dependency. [Editor.Update] is pure (a key in, the
// new state out), so the editing is tested without a terminal.
//
//	var e termui.Editor
//	e.Prompt = "> "
//	// in the model's Update:
//	if line, ok := e.Update(keyMsg); ok { … the user pressed Enter … }
//	// in its View:
//	return e.View()
package termui
