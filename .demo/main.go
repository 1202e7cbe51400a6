package main

import (
	"fmt"
	"net"
	"os"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/perconn"
	"github.com/netlab-go/netlab/tempconv"
	"github.com/netlab-go/netlab/udp"
	"time"
)

func main() {
	room := chat.New(chat.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:7008")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	go perconn.New(room, netlab.Config{}).Serve(l)
	go func() { fmt.Println(udp.New(room, netlab.Config{IdleTimeout: 5 * time.Second}, udp.Options{Lines: true}).ListenAndServe("127.0.0.1:7008")) }()
	go func() { fmt.Println(udp.New(echo.New(), netlab.Config{}, udp.Options{}).ListenAndServe("127.0.0.1:7007")) }()
	go func() { fmt.Println(udp.New(tempconv.New(), netlab.Config{}, udp.Options{Lines: true}).ListenAndServe("127.0.0.1:7010")) }()
	lt, err := net.Listen("tcp", "127.0.0.1:7010")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	go perconn.New(tempconv.New(), netlab.Config{}).Serve(lt)
	fmt.Println("ready")
	select {}
}
