// TOSA: products by their fixed layouts, elementwise, a reduction. Counts: tests/test_costmodel.c.
func.func @main(%a: tensor<2x8x16xf32>, %b: tensor<2x16x4xf32>, %in: tensor<1x8x8x4xf32>, %w: tensor<6x3x3x4xf32>,
                %bias: tensor<6xf32>, %fc: tensor<3x10xf32>, %fw: tensor<5x10xf32>, %fb: tensor<5xf32>)
    -> (tensor<2x8x4xf32>, tensor<1x1x6x6xf32>, tensor<3x5xf32>) {
  %mm = tosa.matmul %a, %b : (tensor<2x8x16xf32>, tensor<2x16x4xf32>) -> tensor<2x8x4xf32>
  %cv = tosa.conv2d %in, %w, %bias {dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}
          : (tensor<1x8x8x4xf32>, tensor<6x3x3x4xf32>, tensor<6xf32>) -> tensor<1x6x6x6xf32>
  %ex = tosa.exp %cv : (tensor<1x6x6x6xf32>) -> tensor<1x6x6x6xf32>
  %rs = tosa.reduce_sum %ex {axis = 1 : i32} : (tensor<1x6x6x6xf32>) -> tensor<1x1x6x6xf32>
  %f = tosa.fully_connected %fc, %fw, %fb : (tensor<3x10xf32>, tensor<5x10xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %mm, %rs, %f : tensor<2x8x4xf32>, tensor<1x1x6x6xf32>, tensor<3x5xf32>
}
