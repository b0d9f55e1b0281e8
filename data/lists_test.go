package data

import (
	"slices"
	"testing"
)

// TestListsAreCopies: the lists of allowed values are handed out as
// copies, so that a caller changing its copy changes neither what
// Validate accepts nor what the next caller gets.
func TestListsAreCopies(t *testing.T) {
	lists := map[string]func() []string{
		"Languages":     Languages,
		"ReservedIDs":   ReservedIDs,
		"PortModes":     PortModes,
		"PortCountries": PortCountries,
		"Kinds":         func() []string { return kindNamesOf(Kinds()) },
	}
	for name, get := range lists {
		before := get()
		if len(before) == 0 {
			t.Fatalf("%s() is empty", name)
		}
		mine := get()
		mine[0] = "changed by a caller"
		if after := get(); !slices.Equal(after, before) {
			t.Errorf("%s() = %v after a caller changed its copy; want %v", name, after, before)
		}
	}
	st := validStation()
	st.Languages = []string{Languages()[0]}
	langs := Languages()
	langs[0] = "xx"
	if errs := st.Validate(); len(errs) > 0 {
		t.Errorf("Validate after a caller changed its copy of Languages() = %v; want no problem", errs)
	}
	if !IsLanguage("zh") || IsLanguage("xx") {
		t.Errorf("IsLanguage(zh), IsLanguage(xx) = %v, %v; want true, false", IsLanguage("zh"), IsLanguage("xx"))
	}
}

func kindNamesOf(ks []Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}
