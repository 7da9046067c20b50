// linalg on tensors: named ops (generalised by the reader) and generics with
// non-trivial indexing maps. Expected counts: tests/test_costmodel.c.
#tr = affine_map<(d0, d1) -> (d1, d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#sig = affine_map<(d0, d1, d2) -> (d0 + d2, d1)>
#tap = affine_map<(d0, d1, d2) -> (d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @main(%a: tensor<64x32xbf16>, %b: tensor<32x16xbf16>, %ba: tensor<4x8x16xf32>, %bb: tensor<4x16x24xf32>,
                %img: tensor<2x10x12x3xf32>, %flt: tensor<3x3x3x8xf32>, %x: tensor<16x64xf32>,
                %s: tensor<20x16xf32>, %w: tensor<5x16xf32>)
    -> (tensor<64x16xf32>, tensor<4x8x24xf32>, tensor<2x8x10x8xf32>, tensor<64x16xf32>, tensor<16x16xf32>, tensor<64xf32>) {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<64x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e0 : tensor<64x16xf32>) -> tensor<64x16xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<64x32xbf16>, tensor<32x16xbf16>) outs(%z : tensor<64x16xf32>) -> tensor<64x16xf32>
  %e1 = tensor.empty() : tensor<4x8x24xf32>
  %bmm = linalg.batch_matmul ins(%ba, %bb : tensor<4x8x16xf32>, tensor<4x16x24xf32>) outs(%e1 : tensor<4x8x24xf32>) -> tensor<4x8x24xf32>
  %e2 = tensor.empty() : tensor<2x8x10x8xf32>
  %cv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
          ins(%img, %flt : tensor<2x10x12x3xf32>, tensor<3x3x3x8xf32>) outs(%e2 : tensor<2x8x10x8xf32>) -> tensor<2x8x10x8xf32>
  %e3 = tensor.empty() : tensor<64x16xf32>
  %t = linalg.generic {indexing_maps = [#tr, #id, #id], iterator_types = ["parallel", "parallel"]}
         ins(%x, %mm : tensor<16x64xf32>, tensor<64x16xf32>) outs(%e3 : tensor<64x16xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %sum = arith.addf %p, %q : f32
    %ex = math.exp %sum : f32
    linalg.yield %ex : f32
  } -> tensor<64x16xf32>
  %e4 = tensor.empty() : tensor<16x16xf32>
  %cw = linalg.generic {indexing_maps = [#sig, #tap, #out], iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%s, %w : tensor<20x16xf32>, tensor<5x16xf32>) outs(%e4 : tensor<16x16xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %acc = arith.addf %o, %m : f32
    linalg.yield %acc : f32
  } -> tensor<16x16xf32>
  %e5 = tensor.empty() : tensor<64xf32>
  %r = linalg.generic {indexing_maps = [#id, #col], iterator_types = ["reduction", "parallel"]}
         ins(%x : tensor<16x64xf32>) outs(%e5 : tensor<64xf32>) {
  ^bb0(%p: f32, %o: f32):
    %acc = arith.addf %p, %o : f32
    linalg.yield %acc : f32
  } -> tensor<64xf32>
  return %mm, %bmm, %cv, %t, %cw, %r : tensor<64x16xf32>, tensor<4x8x24xf32>, tensor<2x8x10x8xf32>, tensor<64x16xf32>, tensor<16x16xf32>, tensor<64xf32>
}
