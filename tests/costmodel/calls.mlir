func.func private @act(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = math.exp %x : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
func.func private @loop(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = arith.addf %x, %x : tensor<4x8xf32>
  %1 = func.call @loop(%0) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}
func.func private @extern(%x: tensor<4x8xf32>) -> tensor<4x8xf32>
func.func @main(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = func.call @act(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = func.call @act(%0) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = func.call @loop(%1) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %3 = func.call @extern(%2) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = arith.mulf %3, %0 : tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}
