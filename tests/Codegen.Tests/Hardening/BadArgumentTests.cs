using System;
using System.Collections.Generic;
using Codegen.Generation;
using Codegen.Threading;
using Codegen.Tokenizers;
using Xunit;

namespace Codegen.Tests.Hardening;

/// <summary>
/// Bad arguments to the runtime's public API: each is answered with an <see cref="ArgumentException"/> (or its
/// null and out-of-range kinds) that names the parameter, never a NullReferenceException, an index out of range
/// or a silently accepted value.
/// </summary>
public sealed class BadArgumentTests
{
    private static readonly Lazy<Llama2cTokenizer> Tokenizer =
        new(() => Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), 512));

    public static TheoryData<string> Cases => new(BadCalls.Keys);

    private static readonly Dictionary<string, Action> BadCalls = new()
    {
        ["Sampler with no vocabulary"] = () => new Sampler(0, GenerationOptions.Greedy),
        ["Sampler with null options"] = () => new Sampler(4, null!),
        ["Sample with the wrong logit count"] = () => new Sampler(4, GenerationOptions.Greedy).Sample(new float[3]),
        ["WorkerPool of no threads"] = () => new WorkerPool(0),
        ["WorkerPool run of a null action"] = () => new WorkerPool(1).Run(null!, 10),
        ["WorkerPool run of a negative count"] = () => new WorkerPool(1).Run((_, _) => { }, -1),
        ["WeightTensor with a negative dimension"] = () => new WeightTensor("w", new[] { -2, -3 }, new float[6]),
        ["WeightTensor with too few values"] = () => new WeightTensor("w", new[] { 2, 3 }, new float[5]),
        ["WeightTensor whose dimensions overflow"] = () => new WeightTensor("w", new[] { int.MaxValue, int.MaxValue, int.MaxValue, 4 }, new float[4]),
        ["Bf16Matrix of negative rows"] = () => Bf16Matrix.FromFloat32("m", -1, 4, new float[4]),
        ["Q8Matrix of too few values"] = () => Q8Matrix.FromFloat32("m", 2, 4, new float[7]),
        ["Encode of null text"] = () => Tokenizer.Value.Encode(null!, addBos: true),
        ["Decode of a token outside the vocabulary"] = () => Tokenizer.Value.Decode(1, 512),
        ["Decode of a negative token"] = () => Tokenizer.Value.Decode(1, -1),
        ["Decode of a null list"] = () => Tokenizer.Value.Decode(null!),
        ["StreamingDecoder of no tokenizer"] = () => new StreamingDecoder(null!),
        ["StreamingDecoder of a token outside the vocabulary"] = () => new StreamingDecoder(Tokenizer.Value).Append(4096),
        ["Tokenizer of a null path"] = () => Llama2cTokenizer.Load(null!, 512),
        ["Tokenizer of a negative vocabulary"] = () => Llama2cTokenizer.Load(TestModels.Path("stories260K", "tok512.bin"), -5),
        ["Backend of an unknown name"] = () => BackendNames.Parse("tpu"),
        ["Generation with a null session"] = () => TextGeneration.Generate(null!, new[] { 1 }, GenerationOptions.Greedy),
        ["Generation with a null prompt"] = () => TextGeneration.Generate(new Sessions.ScriptedSession(), null!, GenerationOptions.Greedy),
        ["Generation with NaN temperature"] = () => TextGeneration.Generate(new Sessions.ScriptedSession(), new[] { 1 }, new GenerationOptions { Temperature = float.NaN }),
        ["Generation with NaN top-p"] = () => TextGeneration.Generate(new Sessions.ScriptedSession(), new[] { 1 }, new GenerationOptions { TopP = float.NaN }),
        ["Generation with null stop tokens"] = () => TextGeneration.Generate(new Sessions.ScriptedSession(), new[] { 1 }, new GenerationOptions { StopTokens = null! }),
        ["Generation of a negative number of tokens"] = () => TextGeneration.Generate(new Sessions.ScriptedSession(), new[] { 1 }, new GenerationOptions { MaxNewTokens = -1 }),
        ["Generation of int.MaxValue tokens"] = () => TextGeneration.Generate(new Sessions.ScriptedSession(), new[] { 1 }, new GenerationOptions { MaxNewTokens = int.MaxValue }),
        ["Step at a negative position"] = () => new Sessions.ScriptedSession().Forward(1, -1),
        ["Step at int.MinValue"] = () => new Sessions.ScriptedSession().Forward(int.MinValue, 0),
        ["Prefill from int.MaxValue"] = () => new Sessions.ScriptedSession().Prefill(new[] { 1 }, int.MaxValue),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsRefusedWithAnArgumentException(string name)
    {
        Exception? thrown = Record.Exception(BadCalls[name]);

        Assert.NotNull(thrown);
        Assert.True(thrown is ArgumentException, $"{name}: {thrown.GetType().Name}: {thrown.Message}");
    }
}
