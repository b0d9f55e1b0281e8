// Package checked holds the type of a batch that has been through
// validation. It is internal to data so that only data and the packages
// below it (the readers of data/source) can make one: data.ValidateAll and
// data.Check, which validate, and the readers, which validate each record
// as they read it. Everything else can only receive one.
package checked

// Batch is a batch of items that has passed validation. Its zero value is
// an empty batch.
type Batch[T any] struct{ items []T }

// Trust wraps items that the caller has validated.
func Trust[T any](items []T) Batch[T] { return Batch[T]{items: items} }

// Items returns the batch's items (the batch's own slice: not to be
// changed).
func (b Batch[T]) Items() []T { return b.items }

// Len is the number of items.
func (b Batch[T]) Len() int { return len(b.items) }

// Slice is the part [lo, hi) of the batch, itself a checked batch.
func (b Batch[T]) Slice(lo, hi int) Batch[T] { return Batch[T]{items: b.items[lo:hi]} }
