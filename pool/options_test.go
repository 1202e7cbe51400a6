package pool

import (
	"flag"
	"testing"
)

var _ flag.Value = new(Overflow)

func TestOverflow(t *testing.T) {
	t.Run("parses the words the command line takes", func(t *testing.T) {
		for _, want := range []Overflow{Wait, Reject} {
			var got Overflow
			if err := got.Set(want.String()); err != nil || got != want {
				t.Errorf("Set(%q) = %v, %v; want %v", want.String(), got, err, want)
			}
		}
	})

	t.Run("rejects anything else and says what to use", func(t *testing.T) {
		o := Reject
		err := o.Set("queue")
		if err == nil || o != Reject {
			t.Fatalf("Set(%q) = %v, left %v; want an error and no change", "queue", err, o)
		}
		if want := `pool: unknown overflow policy "queue": use wait or reject`; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	})
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Options
		want Options
	}{
		{"the zero value is 64 workers that make clients wait", Options{}, Options{Workers: DefaultWorkers, Overflow: Wait}},
		{"a negative size means the default", Options{Workers: -1, Overflow: Reject}, Options{Workers: DefaultWorkers, Overflow: Reject}},
		{"an unknown policy means wait", Options{Workers: 3, Overflow: Overflow(9)}, Options{Workers: 3, Overflow: Wait}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.withDefaults(); got != tt.want {
				t.Errorf("%+v.withDefaults() = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}
