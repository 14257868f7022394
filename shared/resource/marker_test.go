package resource

import "testing"

// The marker is one more tag: it fits while the user's tags stay below the
// limit, a marker already present is not counted twice, and Denormalize
// leaves it out of an object at the limit instead of pushing it over.
func TestMarkerFitsUnderTagLimit(t *testing.T) {
	s := &Schema{Marker: "tags." + MarkerTag, MarkerLimit: 3}
	tags := func(n int, marked bool) Doc {
		m := map[string]any{}
		for i := range n {
			m[string(rune('a'+i))] = "v"
		}
		if marked {
			m[MarkerTag] = "k"
		}
		return Doc{"tags": m}
	}
	for _, c := range []struct {
		doc  Doc
		fits bool
	}{
		{Doc{}, true}, {tags(2, false), true}, {tags(2, true), true},
		{tags(3, false), false}, {tags(3, true), false},
	} {
		if got := s.MarkerFits(c.doc); got != c.fits {
			t.Errorf("MarkerFits(%v) = %v, want %v", c.doc, got, c.fits)
		}
	}
	d, err := s.Denormalize(tags(3, false), "42", nil)
	if err != nil || len(d["tags"].(map[string]any)) != 3 {
		t.Fatalf("Denormalize at the limit: %v %v", d, err)
	}
	if d, _ := s.Denormalize(tags(2, false), "42", nil); d["tags"].(map[string]any)[MarkerTag] != "42" {
		t.Fatalf("Denormalize below the limit lost the marker: %v", d)
	}
	if (&Schema{Marker: "tags." + MarkerTag}).MarkerFits(tags(100, false)) != true {
		t.Fatal("a schema without a limit always fits")
	}
}
