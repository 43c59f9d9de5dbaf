// Command minimal is the load benchmark's baseline: the smallest useful
// net/http JSON endpoint, answering every POST /evaluate with a fixed body.
// abaco's API is measured against it in the same run (see ../run.sh).
package main

import (
	"flag"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8001", "listen address")
	flag.Parse()
	body := []byte(`{"resultado":4}` + "\n")
	mux := http.NewServeMux()
	mux.HandleFunc("POST /evaluate", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
