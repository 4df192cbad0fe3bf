// Command etcd runs a single-member etcd for the conformance suite's throwaway kube-apiserver.
//
// It embeds go.etcd.io/etcd/server/v3 at the version Kubernetes 1.35.3 requires, listens on
// 127.0.0.1 only (plain HTTP: the client is kube-apiserver on the same loopback) and keeps its data
// in -data-dir, which the caller creates and removes. It stops on SIGTERM/SIGINT, when its parent
// process goes away, and at the latest after -max-lifetime, so a killed test run leaves nothing behind.
package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"golang.org/x/sys/unix"
)

func main() {
	dataDir := flag.String("data-dir", "", "directory for etcd's data (required)")
	clientPort := flag.Int("client-port", 0, "port for clients on 127.0.0.1 (required)")
	peerPort := flag.Int("peer-port", 0, "port for peers on 127.0.0.1 (required)")
	maxLifetime := flag.Duration("max-lifetime", 30*time.Minute, "stop after this long whatever happens")
	flag.Parse()
	if *dataDir == "" || *clientPort == 0 || *peerPort == 0 {
		fmt.Fprintln(os.Stderr, "etcd: -data-dir, -client-port and -peer-port are required")
		os.Exit(2)
	}
	// Die with the process that started us (the conformance runner), even if it is killed outright.
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0, 0, 0)
	parent := os.Getppid()

	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", *clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", *peerPort)}
	cfg := embed.NewConfig()
	cfg.Name = "conformance"
	cfg.Dir = *dataDir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = fmt.Sprintf("%s=%s", cfg.Name, peerURL.String())
	cfg.LogLevel = "error"
	// Throwaway data: no fsync cost on CI disks.
	cfg.UnsafeNoFsync = true

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd: cannot start: %v\n", err)
		os.Exit(1)
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "etcd: ready on %s\n", clientURL.String())
	case <-time.After(60 * time.Second):
		fmt.Fprintln(os.Stderr, "etcd: not ready after 60 s")
		os.Exit(1)
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	deadline := time.After(*maxLifetime)
	orphanCheck := time.NewTicker(time.Second)
	defer orphanCheck.Stop()
	for {
		select {
		case s := <-signals:
			fmt.Fprintf(os.Stderr, "etcd: stopping on %s\n", s)
			return
		case <-deadline:
			fmt.Fprintf(os.Stderr, "etcd: stopping after -max-lifetime %s\n", *maxLifetime)
			return
		case err := <-e.Err():
			fmt.Fprintf(os.Stderr, "etcd: failed: %v\n", err)
			os.Exit(1)
		case <-orphanCheck.C:
			if os.Getppid() != parent {
				fmt.Fprintln(os.Stderr, "etcd: parent process is gone, stopping")
				return
			}
		}
	}
}
