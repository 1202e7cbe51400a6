package main

import (
	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
)

func init() {
	serviceList = []serviceEntry{
		{"echo", func(*serveOptions) (netlab.Service, error) { return echo.New(), nil }},
		{"chat", newChatService},
		{"files", newFilesService},
	}
}
