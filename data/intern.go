package data

// Interner shares one copy of the strings that many records repeat
// (source, region, operator, opening hours, zone): the catalog keeps every
// record in memory, and a million records with a few hundred distinct
// sources should hold a few hundred copies. It is bounded, so that input
// of unbounded variety costs no more than without it. One Interner serves
// one load or decode and is not safe for concurrent use.
type Interner struct{ m map[string]string }

// maxInterned is how many distinct strings an Interner keeps.
const maxInterned = 1 << 16

// NewInterner returns an empty Interner.
func NewInterner() *Interner { return &Interner{m: make(map[string]string)} }

// String returns the shared copy of s. A nil Interner returns s.
func (in *Interner) String(s string) string {
	if in == nil || s == "" {
		return s
	}
	if v, ok := in.m[s]; ok {
		return v
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

// Bytes returns the shared copy of b as a string, without allocating when
// it has been seen before (b may be reused by the caller afterwards).
func (in *Interner) Bytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if in == nil {
		return string(b)
	}
	if v, ok := in.m[string(b)]; ok {
		return v
	}
	s := string(b)
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}
