// lpsim lower's graph: a linalg.matmul, a batched dot_general (twice: one workload, repeat 2), a
// convolution of 2 feature groups, a matrix-vector product, an attention with a causal mask, an
// f8E5M2 product (lowered; h100's GEMM mapping refuses it), an f64 product (not lowered) and a batch
// of 512 products (2 runs of batch=256).
// Expected workloads: tests/test_lower.c, lower/*.
func.func @main(%a: tensor<64x32xbf16>, %b: tensor<32x48xbf16>, %l: tensor<2x3x4x5xbf16>, %r: tensor<2x3x5x6xbf16>,
                %img: tensor<1x6x6x4xbf16>, %k: tensor<3x3x2x4xbf16>, %x: tensor<1x32xbf16>, %w: tensor<32x16xbf16>,
                %q: tensor<1x2x8x16xbf16>, %kk: tensor<1x2x8x16xbf16>, %v: tensor<1x2x8x16xbf16>,
                %mask: tensor<1x2x8x8xi1>, %e1: tensor<16x32xf8E5M2>, %e2: tensor<32x16xf8E5M2>,
                %d1: tensor<4x8xf64>, %d2: tensor<8x2xf64>, %b1: tensor<512x2x3xbf16>, %b2: tensor<512x3x2xbf16>)
    -> (tensor<64x48xf32>, tensor<2x3x4x6xbf16>, tensor<2x3x4x6xbf16>, tensor<1x4x4x4xbf16>, tensor<1x16xbf16>,
        tensor<1x2x8x16xbf16>, tensor<16x16xbf16>, tensor<4x2xf64>, tensor<512x2x2xbf16>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x48xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x48xf32>) -> tensor<64x48xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<64x32xbf16>, tensor<32x48xbf16>) outs(%z : tensor<64x48xf32>) -> tensor<64x48xf32>
  %bd = "stablehlo.dot_general"(%l, %r) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 1], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [2]>}> : (tensor<2x3x4x5xbf16>, tensor<2x3x5x6xbf16>) -> tensor<2x3x4x6xbf16>
  %bd2 = "stablehlo.dot_general"(%l, %r) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 1], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [2]>}> : (tensor<2x3x4x5xbf16>, tensor<2x3x5x6xbf16>) -> tensor<2x3x4x6xbf16>
  %cv = "stablehlo.convolution"(%img, %k) <{batch_group_count = 1 : i64, dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>, feature_group_count = 2 : i64}> : (tensor<1x6x6x4xbf16>, tensor<3x3x2x4xbf16>) -> tensor<1x4x4x4xbf16>
  %gv = "stablehlo.dot_general"(%x, %w) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<1x32xbf16>, tensor<32x16xbf16>) -> tensor<1x16xbf16>
  %s = "stablehlo.dot_general"(%q, %kk) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 1], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [3]>}> : (tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>) -> tensor<1x2x8x8xbf16>
  %sf = "stablehlo.convert"(%s) : (tensor<1x2x8x8xbf16>) -> tensor<1x2x8x8xf32>
  %c4 = "stablehlo.constant"() <{value = dense<4.000000e+00> : tensor<f32>}> : () -> tensor<f32>
  %c4b = "stablehlo.broadcast_in_dim"(%c4) <{broadcast_dimensions = array<i64>}> : (tensor<f32>) -> tensor<1x2x8x8xf32>
  %sc = "stablehlo.divide"(%sf, %c4b) : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %ninf = "stablehlo.constant"() <{value = dense<-3.0e+38> : tensor<f32>}> : () -> tensor<f32>
  %ninfb = "stablehlo.broadcast_in_dim"(%ninf) <{broadcast_dimensions = array<i64>}> : (tensor<f32>) -> tensor<1x2x8x8xf32>
  %m = "stablehlo.select"(%mask, %sc, %ninfb) : (tensor<1x2x8x8xi1>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %lo = "stablehlo.constant"() <{value = dense<0xFF800000> : tensor<f32>}> : () -> tensor<f32>
  %mx = "stablehlo.reduce"(%m, %lo) <{dimensions = array<i64: 3>}> ({
  ^bb0(%p0: tensor<f32>, %p1: tensor<f32>):
    %t = "stablehlo.maximum"(%p0, %p1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    "stablehlo.return"(%t) : (tensor<f32>) -> ()
  }) : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8xf32>
  %mxb = "stablehlo.broadcast_in_dim"(%mx) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<1x2x8xf32>) -> tensor<1x2x8x8xf32>
  %sub = "stablehlo.subtract"(%m, %mxb) : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %ex = "stablehlo.exponential"(%sub) : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %z0 = "stablehlo.constant"() <{value = dense<0.000000e+00> : tensor<f32>}> : () -> tensor<f32>
  %sm = "stablehlo.reduce"(%ex, %z0) <{dimensions = array<i64: 3>}> ({
  ^bb0(%p0: tensor<f32>, %p1: tensor<f32>):
    %t = "stablehlo.add"(%p0, %p1) : (tensor<f32>, tensor<f32>) -> tensor<f32>
    "stablehlo.return"(%t) : (tensor<f32>) -> ()
  }) : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8xf32>
  %smb = "stablehlo.broadcast_in_dim"(%sm) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<1x2x8xf32>) -> tensor<1x2x8x8xf32>
  %pr = "stablehlo.divide"(%ex, %smb) : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %pb = "stablehlo.convert"(%pr) : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xbf16>
  %o = "stablehlo.dot_general"(%pb, %v) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 1], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [2]>}> : (tensor<1x2x8x8xbf16>, tensor<1x2x8x16xbf16>) -> tensor<1x2x8x16xbf16>
  %f8 = "stablehlo.dot_general"(%e1, %e2) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<16x32xf8E5M2>, tensor<32x16xf8E5M2>) -> tensor<16x16xbf16>
  %f64 = "stablehlo.dot_general"(%d1, %d2) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<4x8xf64>, tensor<8x2xf64>) -> tensor<4x2xf64>
  %bb = "stablehlo.dot_general"(%b1, %b2) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0], rhs_batching_dimensions = [0], lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [1]>}> : (tensor<512x2x3xbf16>, tensor<512x3x2xbf16>) -> tensor<512x2x2xbf16>
  return %mm, %bd, %bd2, %cv, %gv, %o, %f8, %f64, %bb : tensor<64x48xf32>, tensor<2x3x4x6xbf16>, tensor<2x3x4x6xbf16>, tensor<1x4x4x4xbf16>, tensor<1x16xbf16>, tensor<1x2x8x16xbf16>, tensor<16x16xbf16>, tensor<4x2xf64>, tensor<512x2x2xbf16>
}
