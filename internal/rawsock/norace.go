//go:build !race || !linux

package rawsock

func raceRelease()        {}
func raceAcquire(uintptr) {}
