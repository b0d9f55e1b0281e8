package pgtest

import "testing"

func TestWithDatabase(t *testing.T) {
	tests := []struct{ base, want string }{
		{"postgres://u:p@127.0.0.1:5432/yizhan_test?sslmode=disable", "postgres://u:p@127.0.0.1:5432/t1?sslmode=disable"},
		{"postgres://u@localhost/", "postgres://u@localhost/t1"},
		{"host=127.0.0.1 user=u", "host=127.0.0.1 user=u dbname=t1"},
	}
	for _, tc := range tests {
		got, err := withDatabase(tc.base, "t1")
		if err != nil || got != tc.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tc.base, got, err, tc.want)
		}
	}
}
