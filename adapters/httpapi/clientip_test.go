package httpapi

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted, err := ParseCIDRs("10.0.0.0/8, 192.168.1.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		peer    string
		xff     []string
		trusted bool
		want    string
	}{
		{"no proxies: the peer, whatever the header says", "203.0.113.5:4000", []string{"1.2.3.4"}, false, "203.0.113.5"},
		{"untrusted peer's header is ignored", "203.0.113.5:4000", []string{"1.2.3.4"}, true, "203.0.113.5"},
		{"trusted peer: the hop it saw", "10.0.0.2:4000", []string{"198.51.100.7"}, true, "198.51.100.7"},
		{"a spoofed left-most value is not believed", "10.0.0.2:4000", []string{"1.2.3.4, 198.51.100.7"}, true, "198.51.100.7"},
		{"trusted hops are skipped from the right", "10.0.0.2:4000", []string{"198.51.100.7, 192.168.1.1, 10.1.1.1"}, true, "198.51.100.7"},
		{"several headers read as one list", "10.0.0.2:4000", []string{"1.2.3.4", "198.51.100.8"}, true, "198.51.100.8"},
		{"all hops trusted: the left-most trusted one", "10.0.0.2:4000", []string{"10.9.9.9"}, true, "10.9.9.9"},
		{"garbage hop stops the walk at the last trusted", "10.0.0.2:4000", []string{"1.2.3.4, not-an-ip"}, true, "10.0.0.2"},
		{"no header from a trusted proxy: the proxy", "10.0.0.2:4000", nil, true, "10.0.0.2"},
		{"IPv6 peer", "[2001:db8::1]:4000", nil, true, "2001:db8::1"},
		{"IPv4-mapped hop", "10.0.0.2:4000", []string{"::ffff:198.51.100.9"}, true, "198.51.100.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			p := trusted
			if !tt.trusted {
				p = nil
			}
			if got := clientIP(r, p); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseCIDRs(t *testing.T) {
	t.Parallel()
	if p, err := ParseCIDRs(""); err != nil || len(p) != 0 {
		t.Errorf("empty: %v %v", p, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "nonsense", "10.0.0.0/8,,x"} {
		if _, err := ParseCIDRs(bad); err == nil {
			t.Errorf("ParseCIDRs(%q) accepted", bad)
		}
	}
}

func TestAddressKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ip   string
		bits int
		want string
	}{
		{"203.0.113.5", 64, "203.0.113.5"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2::1", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", 64, "2001:db8:1:3::/64"},
		{"2001:db8:1:2:ffff::1", 56, "2001:db8:1::/56"},
		{"2001:db8:1:2::1", 128, "2001:db8:1:2::1"},
		{"fe80::1%eth0", 64, "fe80::/64"},
		{"", 64, ""},
	}
	for _, tt := range tests {
		if got := addressKey(tt.ip, tt.bits); got != tt.want {
			t.Errorf("addressKey(%q, %d) = %q, want %q", tt.ip, tt.bits, got, tt.want)
		}
	}
}
