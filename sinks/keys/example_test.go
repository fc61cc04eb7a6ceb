package keys_test

import (
	"fmt"
	"time"

	"github.com/sluice-io/sluice/sinks/keys"
)

func Example() {
	prefix, err := keys.ParsePrefix("customer=!{partitionKeyFromLambda:customer}/dt=!{timestamp:yyyy'-'MM'-'dd}/")
	if err != nil {
		panic(err)
	}
	oldest := time.Date(2024, 3, 7, 8, 5, 2, 0, time.UTC)
	p, err := prefix.Render(keys.Values{Time: oldest, LambdaKeys: map[string]string{"customer": "acme/../x"}})
	if err != nil {
		panic(err)
	}
	key, err := keys.Key(p, keys.Name{Stream: "clicks", Version: 1, Time: oldest, First: "17", Last: "942", Ext: ".parquet"})
	if err != nil {
		panic(err)
	}
	fmt.Println(key)

	errPrefix, _ := keys.ParseErrorPrefix("")
	e, _ := errPrefix.Render(keys.Values{Time: oldest, ErrorType: keys.ProcessingFailed})
	fmt.Println(e)
	// Output:
	// customer=acme%2F..%2Fx/dt=2024-03-07/clicks-1-2024-03-07-08-05-02-00000000000000000017-00000000000000000942.parquet
	// errors/processing-failed/2024/03/07/08/
}
