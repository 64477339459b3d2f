package steps

import (
	"fmt"
	"net/netip"

	"github.com/cucumber/godog"
)

func (w *world) registerNetwork(sc *godog.ScenarioContext) {
	sc.Step(`^my address is in an IPv6 network of my own$`, w.useIPv6Network)
}

// useIPv6Network makes the scenario's client an address in a /64 of the documentation range that
// no other scenario uses, and remembers the network's first four groups as {client_net}.
func (w *world) useIPv6Network() error {
	v4, err := netip.ParseAddr(w.ip)
	if err != nil || !v4.Is4() {
		return fmt.Errorf("the scenario's address %q is not the IPv4 address it starts with", w.ip)
	}
	b := v4.As4()
	network := fmt.Sprintf("2001:db8:%x:%x", b[2], b[3])
	w.ip = network + "::1"
	w.vars["client_ip"] = w.ip
	w.vars["client_net"] = network
	return nil
}
