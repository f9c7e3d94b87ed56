package testsvc

import "testing"

func TestRedisStopStart(t *testing.T) {
	r := StartRedis(t)
	if err := ping(r.Addr); err != nil {
		t.Fatalf("PING after StartRedis: %v", err)
	}
	r.Stop()
	if err := ping(r.Addr); err == nil {
		t.Fatal("PING answered after Stop")
	}
	r.Stop() // idempotent
	r.Start()
	if err := ping(r.Addr); err != nil {
		t.Fatalf("PING after Start: %v", err)
	}
	r.Start() // running: nothing to do
	r.Pause()
	if err := ping(r.Addr); err == nil {
		t.Fatal("PING answered while paused")
	}
	r.Resume()
	if err := ping(r.Addr); err != nil {
		t.Fatalf("PING after Resume: %v", err)
	}
	r.Pause()
	r.Stop() // stops a paused server too
	if got, want := r.URL(), "redis://"+r.Addr+"/0"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
}
