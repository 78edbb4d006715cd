//go:build !race

package engine

// raceEnabled is set when the tests run under the race detector, which
// makes the large cost tests smaller.
const raceEnabled = false
