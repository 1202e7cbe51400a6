package web_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/coder/websocket"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/web"
)

// Serve a chat room to browsers and join it with a Go WebSocket client, as
// the page does: each text message is one line.
func Example() {
	srv := web.New(chat.New(chat.Options{}), netlab.Config{}, web.WithPage(web.ChatPage))
	running := netlabtest.Loopback(srv) // serves on 127.0.0.1 until Stop
	defer running.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+running.Addr+"/ws", nil)
	if err != nil {
		log.Fatal(err)
	}
	read := func() string {
		_, p, err := ws.Read(ctx)
		if err != nil {
			log.Fatal(err)
		}
		return string(p)
	}
	fmt.Println(read())
	ws.Write(ctx, websocket.MessageText, []byte("/nick ann"))
	fmt.Println(read())
	ws.Write(ctx, websocket.MessageText, []byte("/who"))
	fmt.Println(read())
	ws.Close(websocket.StatusNormalClosure, "")
	// Output:
	// * welcome guest-1
	// * you are ann
	// * online: ann
}
