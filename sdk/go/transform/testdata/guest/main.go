// Command guest is a transform that touches every part of the SDK (records,
// parameters, logging, kv_get), so its build imports every host function
// the SDK uses. The SDK's tests build it and check its imports and exports.
package main

import "github.com/sluice-io/sluice/sdk/go/transform"

func init() {
	log := transform.Logger()
	transform.OnRecord(func(r transform.Record) (transform.Result, error) {
		v, found, err := transform.KVGet(transform.Param("BUCKET"), string(r.Data))
		if err != nil {
			return transform.Result{}, err
		}
		transform.Log(transform.LevelDebug, "looked up")
		log.Info("record", "id", r.ID, "found", found)
		if !found {
			return transform.Drop(), nil
		}
		return transform.Ok(v), nil
	})
}

func main() {}
