package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/authd/authd/core/credential"
)

// ParseCIDRs parses a comma-separated list of CIDRs (or bare addresses); empty gives none.
func ParseCIDRs(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			a, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR", item)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR", item)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// DefaultIPv6Prefix is the IPv6 network a client is counted as by default: a home network, a phone
// or a cloud instance is routinely handed a whole /64 (RFC 6177, RFC 8273) and can take a fresh
// address in it for every request.
const DefaultIPv6Prefix = 64

// throttleKey is what per-address limits count a request's client under: its IPv4 address, or the
// IPv6 network of the configured size that holds its IPv6 address, written as a prefix
// ("2001:db8:1:2::/64"), so one network can't reset its limits by changing address.
func (a *API) throttleKey(r *http.Request) string {
	return addressKey(clientIP(r, a.proxies), a.v6Bits)
}

// client is who sent r, as the core's use cases know a client.
func (a *API) client(r *http.Request) credential.Client {
	ip := clientIP(r, a.proxies)
	return credential.Client{ThrottleKey: addressKey(ip, a.v6Bits), IP: ip, UserAgent: r.UserAgent()}
}

func addressKey(ip string, v6Bits int) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || !addr.Is6() || v6Bits >= 128 {
		return ip
	}
	p, err := addr.WithZone("").Prefix(v6Bits)
	if err != nil {
		return ip
	}
	return p.String()
}

// clientIP is the address throttling is keyed on: the socket peer, unless the peer is a trusted
// proxy, in which case the right-most X-Forwarded-For hop that is not a trusted proxy. The left-most
// value is whatever the client chose to write, so it is never believed.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := parseHost(r.RemoteAddr)
	if !peer.IsValid() {
		return ""
	}
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	hops := forwardedHops(r.Header.Values("X-Forwarded-For"))
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			// A hop a trusted proxy wrote that isn't an address: stop at the last thing we trust.
			break
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func forwardedHops(values []string) []string {
	var hops []string
	for _, v := range values {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	return hops
}

func parseHost(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
