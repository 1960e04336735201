using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Codegen;
using Codegen.Formats;

// A seeded random model of the 110M TinyStories shape, as a llama2.c checkpoint and as safetensors (F32, BF16);
// each loaded 7 times (page cache warm after the first), median wall time reported. See docs/reliability.md.
const int Dim = 768, Hidden = 2048, Layers = 12, Vocab = 32000, Seq = 1024, HeadDim = 64;
string dir = "/tmp/measure-data";
Directory.CreateDirectory(dir);
var tensors = new List<(string Name, int[] Shape)> { ("tok", new[] { Vocab, Dim }) };
foreach (var (n, s) in new[] { ("attnorm", new[] { Dim }), ("wq", new[] { Dim, Dim }), ("wk", new[] { Dim, Dim }), ("wv", new[] { Dim, Dim }), ("wo", new[] { Dim, Dim }), ("ffnnorm", new[] { Dim }), ("w1", new[] { Hidden, Dim }), ("w2", new[] { Dim, Hidden }), ("w3", new[] { Hidden, Dim }) })
    for (int l = 0; l < Layers; l++) tensors.Add(($"layers[{l}].{n}", s));
tensors.Add(("final", new[] { Dim }));
long total = tensors.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
Console.WriteLine($"{total} weights ({total / 1e6:F1} M)");

string checkpoint = Path.Combine(dir, "random110M.bin");
string f32 = Path.Combine(dir, "random110M-f32.safetensors");
string bf16 = Path.Combine(dir, "random110M-bf16.safetensors");
if (!File.Exists(checkpoint))
{
    var random = new Random(110);
    using var c = new BinaryWriter(File.Create(checkpoint));
    foreach (int h in new[] { Dim, Hidden, Layers, 12, 12, Vocab, Seq }) c.Write(h);
    var header32 = new StringBuilder("{"); var header16 = new StringBuilder("{");
    long o32 = 0, o16 = 0;
    using var d32 = File.Create(f32 + ".data"); using var d16 = File.Create(bf16 + ".data");
    foreach (var (name, shape) in tensors)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var bytes = new byte[count * 4]; var half = new byte[count * 2];
        for (long i = 0; i < count; i++)
        {
            float v = (random.NextSingle() - 0.5f) * 0.04f;
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)(i * 4)), v);
            BinaryPrimitives.WriteUInt16LittleEndian(half.AsSpan((int)(i * 2)), Bf16Matrix.Round(v));
        }
        c.Write(bytes); d32.Write(bytes); d16.Write(half);
        string shapeText = string.Join(",", shape);
        header32.Append($"{(o32 == 0 ? "" : ",")}\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{shapeText}],\"data_offsets\":[{o32},{o32 + count * 4}]}}");
        header16.Append($"{(o16 == 0 ? "" : ",")}\"{name}\":{{\"dtype\":\"BF16\",\"shape\":[{shapeText}],\"data_offsets\":[{o16},{o16 + count * 2}]}}");
        o32 += count * 4; o16 += count * 2;
    }
    c.Write(new byte[(long)Seq * HeadDim * 4]); // RoPE tables (zeros)
    d32.Close(); d16.Close();
    foreach (var (path, header) in new[] { (f32, header32.Append('}').ToString()), (bf16, header16.Append('}').ToString()) })
    {
        using var file = File.Create(path);
        byte[] json = Encoding.UTF8.GetBytes(header);
        file.Write(BitConverter.GetBytes((ulong)json.Length));
        file.Write(json);
        using (var data = File.OpenRead(path + ".data")) data.CopyTo(file);
        File.Delete(path + ".data");
    }
}

List<float[]> loaded = null!;
Median("llama2.c load", () =>
{
    using var file = Llama2cCheckpoint.Open(checkpoint);
    file.RequireTensorBytes(total + (long)Seq * HeadDim);
    loaded = tensors.Select(t => file.Read(t.Name, t.Shape)).Select(t => t.Values.ToArray()).ToList();
}, copyOut: true);
Median("llama2.c load", () =>
{
    using var file = Llama2cCheckpoint.Open(checkpoint);
    foreach (var t in tensors) file.Read(t.Name, t.Shape);
});
foreach (string path in new[] { f32, bf16 })
{
    Median($"safetensors {(path == f32 ? "F32" : "BF16")} load", () =>
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var t in tensors)
        {
            var values = WeightTensor.AllocateStorage(t.Shape.Aggregate(1L, (a, b) => a * b));
            file.ReadFloat32(t.Name, values);
        }
    });
}
#if HAS_FINITE_WEIGHTS
Median("FiniteWeights scan alone over all 110M weights", () =>
{
    foreach (float[] values in loaded) if (FiniteWeights.IndexOfNonFinite(values) >= 0) throw new Exception();
});
#endif

static void Median(string what, Action action, bool copyOut = false)
{
    if (copyOut) { action(); return; }
    var times = new List<double>();
    for (int run = 0; run < 7; run++)
    {
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        var watch = Stopwatch.StartNew();
        action();
        times.Add(watch.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    Console.WriteLine($"{what}: median {times[3]:F1} ms (min {times[0]:F1}, max {times[^1]:F1}; 7 runs)");
}
