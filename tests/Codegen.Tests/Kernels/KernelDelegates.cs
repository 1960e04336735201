using System;
using System.Runtime.Intrinsics;
using Codegen;

namespace Codegen.Tests.Kernels;

// The generated kernels' signatures, so one test can run the kernels of every test model.
// Kernels that take a model's own LayerWeights are adapted to take the plain layer data instead.

internal delegate float DotKernel(ref float left, ref float right);

internal delegate Vector128<float> DotFourRowsKernel(ref float rows, ref float input);

internal delegate void MultiplyRowsKernel(WeightTensor matrix, ref float input, ref float output, int start, int end);

internal delegate void MultiplyRowsBatchKernel(WeightTensor matrix, ref float input, ref float output, int outputStride, int tokens, int start, int end);

internal delegate void AddInPlaceKernel(Span<float> target, ReadOnlySpan<float> source);

internal delegate void StoreKeyKernel(ReadOnlySpan<float> key, float[] keys, int position);

internal delegate void AttentionKernel(Span<float> query, float[] keys, float[] values, int position, float[] scores, Span<float> output, int startHead, int endHead);

internal delegate void AttentionBatchKernel(float[] query, float[] keys, float[] values, int firstPosition, int tokens, float[] scores, float[] output, int startHead, int endHead);

internal delegate void RmsNormKernel(Span<float> output, ReadOnlySpan<float> input, WeightTensor weight);

internal delegate void LayerNormKernel(Span<float> output, ReadOnlySpan<float> input, WeightTensor weight, WeightTensor bias);

internal delegate void RotateKernel(Span<float> query, Span<float> key, int position, float[] cos, float[] sin);

internal delegate void SwiGluInPlaceKernel(Span<float> gate, ReadOnlySpan<float> up);

/// <summary>A fused projection of one layer over output rows [start, end): input in, output (or residual) updated.</summary>
internal delegate void LayerRowsKernel<TLayer>(TLayer layer, float[] input, float[] output, int start, int end);

/// <summary>Query, key and value projections over rows [start, end) of the stacked [query; key; value] rows.</summary>
internal delegate void QueryKeyValueKernel<TLayer>(TLayer layer, float[] input, float[] query, float[] key, float[] values, int valueOffset, int start, int end);

/// <summary>Query, key and value projections of a chunk of tokens over rows [start, end).</summary>
internal delegate void QueryKeyValueBatchKernel<TLayer>(TLayer layer, float[] input, float[] query, float[] key, float[] value, int tokens, int start, int end);

/// <summary>Gate and up products of a chunk of tokens over rows [start, end).</summary>
internal delegate void GateUpBatchKernel<TLayer>(TLayer layer, float[] input, float[] gate, float[] up, int tokens, int start, int end);
