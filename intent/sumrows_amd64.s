#include "textflag.h"

// func sumRows8(acc, w *float32, stride int, rows *int32, n, blocks int)
//
// For each block of 8 columns: Y0 sums the rows at even positions, Y1 those at odd positions,
// in order; the block's result is Y0 + Y1. n ≥ 1, blocks ≥ 1.
TEXT ·sumRows8(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ stride+16(FP), R8
	SHLQ $2, R8                // row stride in bytes
	MOVQ rows+24(FP), R9
	MOVQ n+32(FP), R10
	MOVQ blocks+40(FP), R11
	XORQ BX, BX                // the block's byte offset in a row

block:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ CX, CX
	MOVQ R10, DX
	ANDQ $-2, DX               // rows taken in pairs
	JZ   tail

pair:
	MOVLQSX (R9)(CX*4), AX
	IMULQ R8, AX
	ADDQ BX, AX
	VADDPS (SI)(AX*1), Y0, Y0
	MOVLQSX 4(R9)(CX*4), AX
	IMULQ R8, AX
	ADDQ BX, AX
	VADDPS (SI)(AX*1), Y1, Y1
	ADDQ $2, CX
	CMPQ CX, DX
	JLT  pair

tail:
	CMPQ CX, R10
	JGE  store
	MOVLQSX (R9)(CX*4), AX     // the last row, at an even position
	IMULQ R8, AX
	ADDQ BX, AX
	VADDPS (SI)(AX*1), Y0, Y0

store:
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)(BX*1)
	ADDQ $32, BX
	DECQ R11
	JNZ  block
	VZEROUPPER
	RET

// func sumHalfRows8(acc *float32, w *uint16, stride int, rows *int32, n, blocks int)
//
// sumRows8 over half-precision weights: each row's eight halves are widened to floats
// (VCVTPH2PS, exact) before they are added, in sumRows8's order. DI moves 32 bytes a block
// through acc, BX 16 through a row.
TEXT ·sumHalfRows8(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ stride+16(FP), R8
	SHLQ $1, R8                // row stride in bytes
	MOVQ rows+24(FP), R9
	MOVQ n+32(FP), R10
	MOVQ blocks+40(FP), R11
	XORQ BX, BX                // the block's byte offset in a row

hblock:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ CX, CX
	MOVQ R10, DX
	ANDQ $-2, DX               // rows taken in pairs
	JZ   htail

hpair:
	MOVLQSX (R9)(CX*4), AX
	IMULQ R8, AX
	ADDQ BX, AX
	VCVTPH2PS (SI)(AX*1), Y2
	VADDPS Y2, Y0, Y0
	MOVLQSX 4(R9)(CX*4), AX
	IMULQ R8, AX
	ADDQ BX, AX
	VCVTPH2PS (SI)(AX*1), Y3
	VADDPS Y3, Y1, Y1
	ADDQ $2, CX
	CMPQ CX, DX
	JLT  hpair

htail:
	CMPQ CX, R10
	JGE  hstore
	MOVLQSX (R9)(CX*4), AX     // the last row, at an even position
	IMULQ R8, AX
	ADDQ BX, AX
	VCVTPH2PS (SI)(AX*1), Y2
	VADDPS Y2, Y0, Y0

hstore:
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $16, BX
	DECQ R11
	JNZ  hblock
	VZEROUPPER
	RET
