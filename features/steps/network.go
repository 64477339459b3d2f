package steps

import (
	"github.com/cucumber/godog"
)

func (w *world) registerNetwork(sc *godog.ScenarioContext) {
	sc.Step(`^my address is in an IPv6 network of my own$`, w.useIPv6Network)
}

// useIPv6Network makes the scenario's client the first address of a /64 of the documentation
// range that no other scenario uses (see clientAddress), and remembers the network's first four
// groups as {client_net}.
func (w *world) useIPv6Network() error {
	w.ip = w.net6 + "::1"
	w.vars["client_ip"] = w.ip
	w.vars["client_net"] = w.net6
	return nil
}
