#include "textflag.h"

// func expVec4(xs *float64, n int, k *expKernel) float64
//
// expFrom's operations, four values at a time and in the same order (every product rounded
// before the next add; no fused multiply-adds), so the values are bit for bit the same; the sum
// adds them one by one, in order. Offsets are expKernel's fields.
TEXT ·expVec4(SB), NOSPLIT, $0-32
	MOVQ xs+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ k+16(FP), DX
	VXORPD X9, X9, X9          // the sum

loop:
	VMOVUPD (DI), Y0           // x
	VMULPD  0(DX), Y0, Y1      // x·scale
	VADDPD  32(DX), Y1, Y1     // t = x·scale + round: k in the low bits
	VSUBPD  32(DX), Y1, Y2     // kf = t − round
	VMULPD  64(DX), Y2, Y3     // kf·ln2Hi
	VSUBPD  Y3, Y0, Y3         // x − kf·ln2Hi
	VMULPD  96(DX), Y2, Y4     // kf·ln2Lo
	VSUBPD  Y4, Y3, Y3         // r
	VMULPD  128(DX), Y3, Y4    // r/120
	VADDPD  160(DX), Y4, Y4    // 1/24 + …
	VMULPD  Y4, Y3, Y4
	VADDPD  192(DX), Y4, Y4    // 1/6 + …
	VMULPD  Y4, Y3, Y4
	VADDPD  224(DX), Y4, Y4    // 1/2 + …
	VMULPD  Y4, Y3, Y4
	VADDPD  256(DX), Y4, Y4    // 1 + …
	VMULPD  Y4, Y3, Y4
	VADDPD  256(DX), Y4, Y4    // p = 1 + r·(…)
	VPAND   320(DX), Y1, Y2    // k & 63
	VPCMPEQQ Y5, Y5, Y5        // gather all four
	VXORPD  Y6, Y6, Y6
	VGATHERQPD Y5, 384(DX)(Y2*8), Y6 // 2^((k&63)/64)
	VMULPD  Y4, Y6, Y6         // table·p
	VPAND   352(DX), Y1, Y2    // k &^ 63
	VPSLLQ  $46, Y2, Y2        // (k>>6)<<52
	VPADDQ  Y2, Y6, Y6         // e
	VCMPPD  $0x1d, 288(DX), Y0, Y7 // x ≥ −708 (false for NaN)
	VCMPPD  $3, Y0, Y0, Y8     // x is NaN
	VANDPD  Y0, Y8, Y8         // below: NaN stays, anything else is 0
	VBLENDVPD Y7, Y6, Y8, Y6
	VMOVUPD Y6, (DI)
	VADDSD  X6, X9, X9         // sum the four in order
	VUNPCKHPD X6, X6, X10
	VADDSD  X10, X9, X9
	VEXTRACTF128 $1, Y6, X10
	VADDSD  X10, X9, X9
	VUNPCKHPD X10, X10, X10
	VADDSD  X10, X9, X9
	ADDQ    $32, DI
	SUBQ    $4, CX
	JNZ     loop
	VZEROUPPER
	MOVSD   X9, ret+24(FP)
	RET
