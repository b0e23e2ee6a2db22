package etl

// SetSmallBatch makes batches past n records of an event type link a year
// at a time, and returns what restores the size.
func SetSmallBatch(n int) func() {
	old := smallBatch
	smallBatch = n
	return func() { smallBatch = old }
}
