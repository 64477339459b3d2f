package wireproxy

import (
	"bufio"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// newMsg builds an OP_MSG whose body is cmd, after a document sequence when seq is set, with a
// checksum when sum is set.
func newMsg(t *testing.T, cmd bson.D, seq, sum bool) []byte {
	t.Helper()
	body, err := bson.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	var flags uint32
	if sum {
		flags |= flagSum
	}
	msg := binary.LittleEndian.AppendUint32(make([]byte, 16), flags)
	if seq {
		doc, _ := bson.Marshal(bson.D{{Key: "_id", Value: 1}})
		id := "documents\x00"
		msg = append(msg, sectionSeq)
		msg = binary.LittleEndian.AppendUint32(msg, uint32(4+len(id)+len(doc)))
		msg = append(append(msg, id...), doc...)
	}
	msg = append(append(msg, sectionBody), body...)
	if sum {
		msg = append(msg, 0, 0, 0, 0)
	}
	return frame(msg, opMsg)
}

func frame(msg []byte, op int32) []byte {
	binary.LittleEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.LittleEndian.PutUint32(msg[12:], uint32(op))
	return msg
}

func TestCommandName(t *testing.T) {
	update := bson.D{{Key: "update", Value: "users"}, {Key: "$db", Value: "authd"}}
	query, _ := bson.Marshal(bson.D{{Key: "isMaster", Value: 1}})
	legacy := append(make([]byte, 20), "admin.$cmd\x00"...)
	legacy = append(append(legacy, 0, 0, 0, 0, 1, 0, 0, 0), query...)
	for name, tc := range map[string]struct {
		msg  []byte
		want string
	}{
		"body only":              {newMsg(t, update, false, false), "update"},
		"after a sequence":       {newMsg(t, bson.D{{Key: "insert", Value: "users"}}, true, false), "insert"},
		"with a checksum":        {newMsg(t, update, false, true), "update"},
		"legacy OP_QUERY":        {frame(legacy, opQuery), "isMaster"},
		"truncated":              {frame(newMsg(t, update, false, false)[:24], opMsg), ""},
		"other opcode":           {frame(make([]byte, 32), 2012), ""},
		"sequence size too long": {frame(append(binary.LittleEndian.AppendUint32(make([]byte, 16), 0), sectionSeq, 0xff, 0, 0, 0), opMsg), ""},
	} {
		if got := commandName(tc.msg); got != tc.want {
			t.Errorf("%s: commandName = %q, want %q", name, got, tc.want)
		}
	}
}

// backend answers every message after a pause and records how many it held at once.
type backend struct {
	inFlight, most atomic.Int32
}

func (b *backend) serve(t *testing.T, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				req, err := readMessage(r)
				if err != nil {
					return
				}
				n := b.inFlight.Add(1)
				for m := b.most.Load(); n > m && !b.most.CompareAndSwap(m, n); m = b.most.Load() {
				}
				time.Sleep(5 * time.Millisecond)
				b.inFlight.Add(-1)
				reply := frame(binary.LittleEndian.AppendUint32(make([]byte, 16), 0), opMsg)
				binary.LittleEndian.PutUint32(reply[8:], binary.LittleEndian.Uint32(req[4:]))
				if _, err := c.Write(reply); err != nil {
					return
				}
			}
		}()
	}
}

func TestWritesPassOneAtATimeAndReadsTogether(t *testing.T) {
	for cmd, wantSerial := range map[string]bool{"update": true, "findAndModify": true, "somethingNew": true, "find": false} {
		t.Run(cmd, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			var b backend
			go b.serve(t, ln)
			var seen atomic.Int32
			p := &Proxy{Backend: ln.Addr().String(), OnCommand: func(name string) {
				if name == cmd {
					seen.Add(1)
				}
			}}
			front, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = p.Serve(front) }()
			defer p.Close()
			const clients = 8
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					c, err := net.Dial("tcp", front.Addr().String())
					if err != nil {
						t.Error(err)
						return
					}
					defer c.Close()
					r := bufio.NewReader(c)
					for range 3 {
						if _, err := c.Write(newMsg(t, bson.D{{Key: cmd, Value: "c"}}, false, false)); err != nil {
							t.Error(err)
							return
						}
						if _, err := readMessage(r); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if got := seen.Load(); got != clients*3 {
				t.Errorf("OnCommand saw %d %s commands, want %d", got, cmd, clients*3)
			}
			if most := b.most.Load(); wantSerial && most != 1 {
				t.Errorf("%d %s commands reached the server at once, want 1", most, cmd)
			} else if !wantSerial && most < 2 {
				t.Errorf("%s commands reached the server one at a time; reads should overlap", cmd)
			}
		})
	}
}

func TestCloseCutsRelayedConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var b backend
	go b.serve(t, ln)
	p, err := Listen("127.0.0.1:0", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(newMsg(t, bson.D{{Key: "ping", Value: 1}}, false, false)); err != nil {
		t.Fatal(err)
	}
	if _, err := readMessage(bufio.NewReader(c)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close still waiting for a connection the client kept open")
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("relayed connection still open after Close")
	}
	if _, err := net.Dial("tcp", p.Addr()); err == nil {
		t.Fatal("proxy still accepts after Close")
	}
}
