// Elementwise ops of arith, math and tensor on tensors, views and slices. Counts: tests/test_costmodel.c.
func.func @main(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<2x8xf32>, tensor<4x8xbf16>, tensor<8x8xf32>, tensor<32xf32>, tensor<4x8xi1>) {
  %0 = arith.addf %x, %y : tensor<4x8xf32>
  %1 = math.tanh %0 : tensor<4x8xf32>
  %2 = tensor.extract_slice %1[1, 0] [2, 8] [1, 1] : tensor<4x8xf32> to tensor<2x8xf32>
  %3 = arith.truncf %1 : tensor<4x8xf32> to tensor<4x8xbf16>
  %4 = tensor.concat dim(0) %x, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  %5 = tensor.collapse_shape %0 [[0, 1]] : tensor<4x8xf32> into tensor<32xf32>
  %6 = math.fma %x, %y, %0 : tensor<4x8xf32>
  %7 = arith.cmpf olt, %x, %y : tensor<4x8xf32>
  return %6, %2, %3, %4, %5, %7 : tensor<4x8xf32>, tensor<2x8xf32>, tensor<4x8xbf16>, tensor<8x8xf32>, tensor<32xf32>, tensor<4x8xi1>
}
