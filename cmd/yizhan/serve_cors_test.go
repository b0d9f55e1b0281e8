package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestReadOrigins(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"*", []string{"*"}},
		{"https://a.example, https://b.example", []string{"https://a.example", "https://b.example"}},
		{"none", []string{}},
		{"None", []string{}},
		{"", []string{}},
	}
	for _, tc := range tests {
		got := readOrigins(tc.in)
		if got == nil || !slices.Equal(got, tc.want) {
			t.Errorf("readOrigins(%q) = %#v; want %#v (never nil, which means any origin)", tc.in, got, tc.want)
		}
	}
}

// TestServeRefusesBadCORSOrigins checks that a mistyped origin stops the
// server at start, with a message naming it, instead of silently never
// matching.
func TestServeRefusesBadCORSOrigins(t *testing.T) {
	for _, args := range [][]string{
		{"--cors-origins", "https://map.example.org/app"},
		{"--cors-origins", "*"},
		{"--cors-read-origins", "map.example.org"},
	} {
		getenv := func(string) string { return "" }
		err := runServe(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, args...), getenv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "CORS") {
			t.Errorf("serve %q = %v; want an error about the CORS origin", args, err)
		}
	}
}
