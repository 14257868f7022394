package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// defaultPorts are the ports a workspace URL may leave out.
var defaultPorts = map[string]string{"https": "443", "http": "80"}

// NormalizeHost returns the canonical form of a workspace URL,
// "scheme://host[:port]", so that two spellings of one address compare equal:
// scheme and host name lower-cased, a trailing dot dropped from the name, the
// scheme's default port (:443, :80) and leading zeros of a port dropped, IPv6
// and IPv4-mapped addresses in their shortest form. A URL without a scheme is
// taken as https (as the SDK and ~/.databrickscfg do); a path, query or
// fragment is not part of the host and is dropped. It resolves no names:
// "localhost" and "127.0.0.1" stay different.
// Errors: not a URL, a scheme other than http(s), no host name, a bad port.
func NormalizeHost(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("not a URL: %w", errors.Unwrap(err))
	}
	def, ok := defaultPorts[u.Scheme] // url.Parse lower-cases the scheme
	if !ok {
		return "", fmt.Errorf("scheme %q: want https or http", u.Scheme)
	}
	name := normalizeName(u.Hostname())
	if name == "" {
		return "", errors.New("has no host name")
	}
	port, err := normalizePort(u.Port(), def)
	if err != nil {
		return "", err
	}
	if port == "" && strings.Contains(name, ":") {
		return u.Scheme + "://[" + name + "]", nil
	}
	if port == "" {
		return u.Scheme + "://" + name, nil
	}
	return u.Scheme + "://" + net.JoinHostPort(name, port), nil
}

// normalizeName lower-cases a host name and drops its trailing dot; an IP
// address takes its shortest form, an IPv4-mapped IPv6 one its IPv4 form.
func normalizeName(name string) string {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if ip, err := netip.ParseAddr(name); err == nil {
		return ip.Unmap().String()
	}
	return name
}

// normalizePort drops the scheme's default port def and leading zeros.
func normalizePort(port, def string) (string, error) {
	if port == "" {
		return "", nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q: want 1-65535", port)
	}
	if p := strconv.Itoa(n); p != def {
		return p, nil
	}
	return "", nil
}

// isLoopback reports whether a URL's host name is a loopback address
// (127.0.0.0/8, ::1, localhost).
func isLoopback(hostname string) bool {
	name := normalizeName(hostname)
	if ip, err := netip.ParseAddr(name); err == nil {
		return ip.IsLoopback()
	}
	return name == "localhost"
}

// CheckHost says what is wrong with a workspace URL given outside a config
// file (a flag), with the same rules Validate applies to source.host and
// target.host. The caller names the flag.
func CheckHost(host string) error {
	if msg := hostProblem(host); msg != "" {
		return errors.New(msg)
	}
	return nil
}
