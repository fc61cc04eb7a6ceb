package transform_test

import (
	"bytes"
	"fmt"

	"github.com/sluice-io/sluice/sdk/go/transform"
)

// upper is the kind of function a transform registers with
// transform.OnRecord; on the host it is an ordinary Go function to test.
func upper(r transform.Record) (transform.Result, error) {
	if len(r.Data) == 0 {
		return transform.Drop(), nil
	}
	return transform.Ok(bytes.ToUpper(r.Data)), nil
}

func Example() {
	for _, data := range []string{"hello", ""} {
		res, err := upper(transform.Record{ID: "1", Data: []byte(data)})
		fmt.Printf("%s %q %v\n", res.Status, res.Data, err)
	}
	// Output:
	// Ok "HELLO" <nil>
	// Dropped "" <nil>
}
