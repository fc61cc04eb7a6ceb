package format_test

import (
	"errors"
	"fmt"

	"github.com/sluice-io/sluice/sinks/format"
)

// Records become Parquet rows by a declared schema; one that does not fit
// is refused with the reason, and the others are written.
func Example_parquet() {
	enc, err := format.New(format.Spec{
		Type:        format.Parquet,
		Compression: format.Zstd,
		Schema: []format.Field{
			{Name: "id", Type: format.TypeInt64, Required: true},
			{Name: "at", Type: format.TypeTimestampMS},
			{Name: "price", Type: format.TypeDecimal, Precision: 9, Scale: 2},
			{Name: "tags", Type: format.TypeList, Items: &format.Field{Type: format.TypeString}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(enc.ParquetSchema())

	obj := enc.NewObject()
	for _, record := range []string{
		`{"id":1,"at":"2024-05-01T12:00:00Z","price":"19.99","tags":["new"]}`,
		`{"id":"two","price":5}`,
		`{"id":3,"extra":"dropped: not in the schema"}`,
	} {
		if err := obj.Add([]byte(record)); err != nil {
			var ce *format.ConversionError
			if errors.As(err, &ce) {
				fmt.Println("refused:", ce.Reason)
			}
		}
	}
	body, err := obj.Finish()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d rows, %s, starts with %q\n", obj.Len(), enc.Extension(), body[:4])
	// Output:
	// message sluice {
	// 	required int64 id (INT(64,true));
	// 	optional int64 at (TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS));
	// 	optional fixed_len_byte_array(4) price (DECIMAL(9,2));
	// 	optional group tags (LIST) {
	// 		repeated group list {
	// 			optional binary element (STRING);
	// 		}
	// 	}
	// }
	// refused: field "id": want int64, got string "two"
	// 2 rows, .parquet, starts with "PAR1"
}
