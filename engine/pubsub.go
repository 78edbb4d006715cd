package engine

// Publish sends message to the subscribers of channel in the namespace
// (and to the subscribers of matching patterns) and returns how many
// received it.
func (ns *Namespace) Publish(channel, message []byte) int64 { return 0 }
