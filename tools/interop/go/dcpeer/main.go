// A pion/webrtc v3 data-channel peer for purertc's interop tests, signalled
// by JSON lines on stdin/stdout (as `purertc pc` and the test fixture are):
// it prints its description once gathering is complete, takes the other
// side's description and trickled candidates, echoes every message on every
// channel, opens a channel "from-pion" when it offers, and reports
// datachannel/open/message/close events. {"cmd":"close","label":…} closes a
// channel, {"cmd":"send","label":…,"text":…} sends. It exits when stdin ends.
// Gathering is restricted to loopback UDP (INTEROP.md).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/pion/webrtc/v3"
)

type line struct {
	Type          string  `json:"type"`
	Sdp           string  `json:"sdp"`
	Event         string  `json:"event"`
	Candidate     *string `json:"candidate"`
	SdpMid        *string `json:"sdpMid"`
	SdpMLineIndex *uint16 `json:"sdpMLineIndex"`
	Cmd           string  `json:"cmd"`
	Label         string  `json:"label"`
	Text          string  `json:"text"`
}

var outMu sync.Mutex

func out(v map[string]interface{}) {
	b, _ := json.Marshal(v)
	outMu.Lock()
	fmt.Println(string(b))
	outMu.Unlock()
}

var channels sync.Map

func watch(dc *webrtc.DataChannel) {
	label := dc.Label()
	channels.Store(label, dc)
	dc.OnOpen(func() {
		out(map[string]interface{}{"event": "open", "label": label, "id": dc.ID()})
		if label == "from-pion" {
			_ = dc.SendText("hello from pion")
		}
	})
	dc.OnClose(func() { out(map[string]interface{}{"event": "close", "label": label}) })
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		ev := map[string]interface{}{"event": "message", "label": label, "size": len(m.Data)}
		if m.IsString {
			ev["text"] = string(m.Data)
			_ = dc.SendText(string(m.Data))
		} else {
			ev["hex"] = fmt.Sprintf("%x", m.Data)
			_ = dc.Send(m.Data)
		}
		out(ev)
	})
}

func main() {
	offer := len(os.Args) > 1 && os.Args[1] == "offer"
	s := webrtc.SettingEngine{}
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	s.SetIncludeLoopbackCandidate(true)
	api := webrtc.NewAPI(webrtc.WithSettingEngine(s))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		out(map[string]interface{}{"event": "error", "message": err.Error()})
		os.Exit(1)
	}
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		out(map[string]interface{}{"event": "connectionstatechange", "state": st.String()})
	})
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		out(map[string]interface{}{"event": "datachannel", "label": dc.Label(), "id": dc.ID()})
		watch(dc)
	})
	describe := func() {
		<-webrtc.GatheringCompletePromise(pc)
		d := pc.LocalDescription()
		out(map[string]interface{}{"event": d.Type.String(), "type": d.Type.String(), "sdp": d.SDP})
	}
	if offer {
		dc, err := pc.CreateDataChannel("from-pion", nil)
		if err != nil {
			out(map[string]interface{}{"event": "error", "message": err.Error()})
			os.Exit(1)
		}
		watch(dc)
		o, _ := pc.CreateOffer(nil)
		_ = pc.SetLocalDescription(o)
		describe()
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var l line
		if json.Unmarshal(in.Bytes(), &l) != nil {
			continue
		}
		switch {
		case l.Type == "offer" && !offer:
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: l.Sdp}); err != nil {
				out(map[string]interface{}{"event": "error", "message": err.Error()})
				continue
			}
			a, _ := pc.CreateAnswer(nil)
			_ = pc.SetLocalDescription(a)
			describe()
		case l.Type == "answer" && offer:
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: l.Sdp}); err != nil {
				out(map[string]interface{}{"event": "error", "message": err.Error()})
			}
		case l.Event == "candidate" && l.Candidate != nil && *l.Candidate != "":
			if err := pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: *l.Candidate, SDPMid: l.SdpMid, SDPMLineIndex: l.SdpMLineIndex}); err != nil {
				out(map[string]interface{}{"event": "error", "message": err.Error()})
			}
		case l.Cmd == "close":
			if dc, ok := channels.Load(l.Label); ok {
				_ = dc.(*webrtc.DataChannel).Close()
			}
		case l.Cmd == "send":
			if dc, ok := channels.Load(l.Label); ok {
				_ = dc.(*webrtc.DataChannel).SendText(l.Text)
			}
		}
	}
	_ = pc.Close()
	out(map[string]interface{}{"event": "closed"})
}
