package redistest

import (
	"reflect"
	"testing"
)

func TestParseNode(t *testing.T) {
	tests := []struct {
		name, line string
		want       Node
		slot       int // one slot the node must serve, or -1
	}{
		{"master with ranges and a migrating slot",
			"07c3 127.0.0.1:30004@40004 myself,master - 0 1426238317239 4 connected 0-5460 6000 [6001->-e7d1]",
			Node{ID: "07c3", Addr: "127.0.0.1:30004", Master: true, Myself: true, Slots: [][2]int{{0, 5460}, {6000, 6000}}}, 6000},
		{"replica",
			"67ed 127.0.0.1:30002@40002,host slave 07c3 0 1426238316232 2 connected",
			Node{ID: "67ed", Addr: "127.0.0.1:30002", MasterID: "07c3"}, -1},
		{"failed master that kept its slots",
			"292f 127.0.0.1:30001@40001 master,fail - 1426238316232 1426238316232 1 disconnected 5461-10922",
			Node{ID: "292f", Addr: "127.0.0.1:30001", Master: true, Failed: true, Slots: [][2]int{{5461, 10922}}}, 10922},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseNode(tt.line)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parseNode = %+v, %v, want %+v", got, err, tt.want)
			}
			if tt.slot >= 0 && !got.Serves(tt.slot) {
				t.Errorf("%+v does not serve slot %d", got, tt.slot)
			}
			if got.Serves(16383) {
				t.Errorf("%+v serves slot 16383", got)
			}
		})
	}
	if _, err := parseNode("too short"); err == nil {
		t.Error("parseNode accepted a short line")
	}
}
