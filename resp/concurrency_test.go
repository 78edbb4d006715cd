package resp_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
	"github.com/redis/go-redis/v9"
)

// TestConcurrentAtomicity drives the node from many real clients at once and
// checks the invariants that hold only if every command runs as if alone:
// INCR never loses an update, and MSET of two keys is never seen half done
// by MGET, whichever shards the keys land in.
func TestConcurrentAtomicity(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	rdb := redis.NewClient(&redis.Options{Addr: n.Addr, PoolSize: 32})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const workers, perWorker = 16, 500
	var wg sync.WaitGroup
	errs := make(chan error, workers*2)
	for w := 0; w < workers; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				if err := rdb.Incr(ctx, "counter").Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				v := strconv.Itoa(w*perWorker + i)
				// Pairs spread over shards: {a0,b0} ... {a7,b7}.
				a, b := fmt.Sprintf("a%d", i%8), fmt.Sprintf("b%d", i%8)
				if err := rdb.MSet(ctx, a, v, b, v).Err(); err != nil {
					errs <- err
					return
				}
				got, err := rdb.MGet(ctx, a, b).Result()
				if err != nil {
					errs <- err
					return
				}
				if got[0] != got[1] {
					errs <- fmt.Errorf("MGET %s %s saw a torn MSET: %v", a, b, got)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := rdb.Get(ctx, "counter").Int()
	if err != nil {
		t.Fatal(err)
	}
	if want := workers * perWorker; got != want {
		t.Fatalf("counter = %d, want %d", got, want)
	}
}
