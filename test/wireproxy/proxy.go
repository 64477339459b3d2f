// Package wireproxy relays the MongoDB wire protocol to one server and lets a single write command
// through at a time, so a server whose writes are not atomic per document (FerretDB 1.x runs
// update, findAndModify and filtered delete as a find followed by a write by _id) honours the
// single-document atomicity MongoDB guarantees.
//
// A write holds the lock from forwarding its request until its reply arrives; reads pass
// concurrently. A command counts as a read only if it is on the short list below, so anything
// unknown, and any message the proxy cannot parse, is serialised.
package wireproxy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// Proxy relays connections to Backend. Its zero value with Backend set is ready to Serve.
type Proxy struct {
	// Backend is the server's host:port.
	Backend string
	// OnCommand, when set, is called with the name of every command before it is forwarded
	// ("" for a message that names none); tests count round trips with it.
	OnCommand func(name string)
	// Cut, when set, is asked about every command after OnCommand; when it says so, the proxy
	// closes the connection instead of forwarding the command, as if the client had died just
	// before sending it. Crash tests stop a sequence of writes at each point with it.
	Cut func(name string) bool

	writes sync.Mutex

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Listen starts a Proxy for backend on addr ("127.0.0.1:0" for any free port) and serves it in
// the background until Close.
func Listen(addr, backend string) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("wireproxy: %w", err)
	}
	p := &Proxy{Backend: backend, ln: ln}
	go func() { _ = p.Serve(ln) }()
	return p, nil
}

// Addr is the address the proxy listens on, once Serve has been called.
func (p *Proxy) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return ""
	}
	return p.ln.Addr().String()
}

// Serve accepts connections on ln until Close and relays each to Backend.
func (p *Proxy) Serve(ln net.Listener) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ln.Close()
	}
	p.ln = ln
	p.mu.Unlock()
	for {
		client, err := ln.Accept()
		if err != nil {
			p.mu.Lock()
			closed := p.closed
			p.mu.Unlock()
			if closed {
				return nil
			}
			return fmt.Errorf("wireproxy: %w", err)
		}
		if !p.track(client) {
			return nil
		}
		p.wg.Go(func() {
			defer p.untrack(client)
			server, err := net.Dial("tcp", p.Backend)
			if err != nil {
				return
			}
			if !p.track(server) {
				return
			}
			defer p.untrack(server)
			_ = p.relay(client, server)
		})
	}
}

// Close stops accepting, cuts every relayed connection and waits for their relays to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		_ = p.ln.Close()
	}
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

// track records c so that Close can cut it, or closes it if Close came first.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	if p.conns == nil {
		p.conns = map[net.Conn]struct{}{}
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// relay forwards one request at a time and its replies: a connection carries one operation at a
// time in this protocol, so the replies to a request are exactly what the server sends before the
// client's next one.
func (p *Proxy) relay(client, server net.Conn) error {
	cr, sr := bufio.NewReader(client), bufio.NewReader(server)
	for {
		req, err := readMessage(cr)
		if err != nil {
			return err
		}
		name := commandName(req)
		if p.OnCommand != nil {
			p.OnCommand(name)
		}
		if p.Cut != nil && p.Cut(name) {
			return errCut
		}
		write := !reads[name]
		if write {
			p.writes.Lock()
		}
		err = exchange(req, server, sr, client)
		if write {
			p.writes.Unlock()
		}
		if err != nil {
			return err
		}
	}
}

// exchange sends req and copies back its replies: none when the client asked for none
// (moreToCome), several while the server streams them (moreToCome on a reply).
func exchange(req []byte, server io.Writer, sr *bufio.Reader, client io.Writer) error {
	if _, err := server.Write(req); err != nil {
		return err
	}
	if moreToCome(req) {
		return nil
	}
	for {
		reply, err := readMessage(sr)
		if err != nil {
			return err
		}
		if _, err := client.Write(reply); err != nil {
			return err
		}
		if !moreToCome(reply) {
			return nil
		}
	}
}

// Wire protocol constants (https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/).
const (
	headerLen   = 16
	maxMessage  = 64 << 20 // above the 48 MB servers accept, so the server, not we, refuses
	opQuery     = 2004
	opMsg       = 2013
	flagSum     = 1 << 0 // OP_MSG checksumPresent
	flagMore    = 1 << 1 // OP_MSG moreToCome
	sectionBody = 0
	sectionSeq  = 1
)

// reads are the commands that never change data: the handshake, monitoring and queries.
// aggregate is left out on purpose, since $out and $merge write.
var reads = map[string]bool{
	"hello": true, "isMaster": true, "ismaster": true, "ping": true, "buildInfo": true, "buildinfo": true,
	"find": true, "getMore": true, "count": true, "distinct": true, "killCursors": true, "endSessions": true,
	"listCollections": true, "listDatabases": true, "listIndexes": true, "saslStart": true, "saslContinue": true,
	"getParameter": true, "serverStatus": true, "connectionStatus": true, "whatsmyuri": true, "dbStats": true,
	"collStats": true, "explain": true, "listCommands": true, "hostInfo": true, "getCmdLineOpts": true,
}

var errFraming = errors.New("wireproxy: malformed message")

var errCut = errors.New("wireproxy: connection cut")

// readMessage reads one whole message, header included.
func readMessage(r *bufio.Reader) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.LittleEndian.Uint32(h[:])))
	if n < headerLen || n > maxMessage {
		return nil, errFraming
	}
	msg := make([]byte, n)
	copy(msg, h[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}

func opCode(msg []byte) int32 { return int32(binary.LittleEndian.Uint32(msg[12:16])) }

func moreToCome(msg []byte) bool {
	return opCode(msg) == opMsg && len(msg) >= headerLen+4 && binary.LittleEndian.Uint32(msg[16:20])&flagMore != 0
}

// commandName is the first key of the command document of an OP_MSG, or of the query of a legacy
// OP_QUERY (drivers still open with one), or "" when the message holds none.
func commandName(msg []byte) string {
	switch opCode(msg) {
	case opMsg:
		if len(msg) < headerLen+4 {
			return ""
		}
		end := len(msg)
		if binary.LittleEndian.Uint32(msg[16:20])&flagSum != 0 {
			end -= 4
		}
		for b := msg[headerLen+4 : max(end, headerLen+4)]; len(b) > 0; {
			kind, rest := b[0], b[1:]
			if len(rest) < 4 {
				return ""
			}
			size := int(int32(binary.LittleEndian.Uint32(rest)))
			if size < 5 || size > len(rest) {
				return ""
			}
			switch kind {
			case sectionBody:
				return firstKey(rest[:size])
			case sectionSeq:
				b = rest[size:]
			default:
				return ""
			}
		}
	case opQuery:
		// flags int32, fullCollectionName cstring, numberToSkip int32, numberToReturn int32, query.
		b := msg[min(headerLen+4, len(msg)):]
		i := bytes.IndexByte(b, 0)
		if i < 0 || len(b) < i+1+8 {
			return ""
		}
		return firstKey(b[i+1+8:])
	}
	return ""
}

// firstKey is the name of the first element of the BSON document doc.
func firstKey(doc []byte) string {
	// int32 length, then the element's type byte and its cstring name.
	if len(doc) < 6 || doc[4] == 0 {
		return ""
	}
	i := bytes.IndexByte(doc[5:], 0)
	if i < 0 {
		return ""
	}
	return string(doc[5 : 5+i])
}
