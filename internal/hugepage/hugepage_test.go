package hugepage

import (
	"runtime"
	"testing"
	"unsafe"
)

func TestMake(t *testing.T) {
	for _, n := range []int{0, 1, 1000, MinBytes/8 - 1, MinBytes / 8, 3 * Size / 8, 5*Size/8 + 3} {
		s := Make[uint64](n)
		if len(s) != n || cap(s) != n {
			t.Fatalf("Make(%d): len %d cap %d", n, len(s), cap(s))
		}
		for i, v := range s {
			if v != 0 {
				t.Fatalf("Make(%d)[%d] = %d, want 0", n, i, v)
			}
		}
		for i := range s {
			s[i] = uint64(i)
		}
		if supported && n >= MinBytes/8 {
			if p := uintptr(unsafe.Pointer(unsafe.SliceData(s))); p%Size != 0 {
				t.Errorf("Make(%d) starts at %#x, not on a huge page", n, p)
			}
		}
	}
}

func TestMakeOddElements(t *testing.T) {
	type odd [3]byte // not a power of two: a plain make
	s := Make[odd](MinBytes)
	if len(s) != MinBytes || cap(s) != MinBytes {
		t.Fatalf("len %d cap %d", len(s), cap(s))
	}
}

func TestAlloc(t *testing.T) {
	type owner struct{ s []uint32 }
	for _, n := range []int{0, 5, MinBytes/4 - 1, MinBytes / 4, Size/4 + 1} {
		o := &owner{}
		o.s = Alloc[uint32](o, n)
		if len(o.s) != n {
			t.Fatalf("Alloc(%d): len %d", n, len(o.s))
		}
		for i := range o.s {
			if o.s[i] != 0 {
				t.Fatalf("Alloc(%d)[%d] = %d, want 0", n, i, o.s[i])
			}
			o.s[i] = uint32(i)
		}
		if supported && n >= MinBytes/4 {
			if p := uintptr(unsafe.Pointer(unsafe.SliceData(o.s))); p%Size != 0 {
				t.Errorf("Alloc(%d) starts at %#x, not on a huge page", n, p)
			}
		}
		runtime.KeepAlive(o)
	}
}

func TestTemp(t *testing.T) {
	for _, n := range []int{3, MinBytes / 2, Size + 1} {
		s, free := Temp[uint16](n)
		if len(s) != n {
			t.Fatalf("Temp(%d): len %d", n, len(s))
		}
		for i := range s {
			if s[i] != 0 {
				t.Fatalf("Temp(%d)[%d] = %d, want 0", n, i, s[i])
			}
			s[i] = uint16(i)
		}
		if supported && n >= MinBytes/2 {
			if p := uintptr(unsafe.Pointer(unsafe.SliceData(s))); p%Size != 0 {
				t.Errorf("Temp(%d) starts at %#x, not on a huge page", n, p)
			}
		}
		free()
	}
}
