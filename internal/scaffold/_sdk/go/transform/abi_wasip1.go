//go:build wasip1

package transform

import "unsafe"

// proc is the instance's one processor. As a package variable it keeps the
// buffers handed to the host reachable, so the garbage collector never
// frees them.
var proc processor

//go:wasmimport sluice set_output
func hostSetOutput(ptr unsafe.Pointer, n int32)

//go:wasmimport sluice log
func hostLogImport(level int32, msg string)

//go:wasmimport sluice kv_get
func hostKVGetImport(bucket, key string, out unsafe.Pointer, outCap int32) int32

// sluiceABIVersion1 is never called: its presence names the ABI version.
//
//go:wasmexport sluice_abi_version_1
func sluiceABIVersion1() {}

// sluiceAlloc hands the host a buffer of size bytes for the next batch.
//
//go:wasmexport sluice_alloc
func sluiceAlloc(size int32) int32 {
	buf := proc.alloc(size)
	if buf == nil {
		return 0
	}
	return int32(addressOf(buf[:1:1]))
}

// sluiceTransform transforms the batch the host wrote at ptr.
//
//go:wasmexport sluice_transform
func sluiceTransform(ptr, n int32) int32 {
	var out []byte
	var code int32
	input := proc.input(uintptr(uint32(ptr)), int(n))
	if input == nil {
		out, code = []byte("sluice_transform was called with a buffer sluice_alloc did not hand out"), 1
	} else {
		out, code = proc.process(&registry, input)
	}
	hostSetOutput(unsafe.Pointer(unsafe.SliceData(out)), int32(len(out)))
	return code
}

func hostLog(level Level, msg string) {
	hostLogImport(int32(level), msg)
}

func hostKVGet(bucket, key string, out []byte) int32 {
	return hostKVGetImport(bucket, key, unsafe.Pointer(unsafe.SliceData(out)), int32(len(out)))
}
