package transform

import "unsafe"

// addressOf returns the address of b's first byte: in a wasm guest, its
// offset in linear memory. b must not be empty.
func addressOf(b []byte) uintptr {
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))
}
