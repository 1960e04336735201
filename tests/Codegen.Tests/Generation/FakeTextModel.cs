using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Codegen.Tokenizers;

namespace Codegen.Tests.Generation;

/// <summary>
/// A session that produces a script of tokens, whatever it is fed: step k (the prompt's prefill is step 0) gives
/// logits of 10 for script[k] and 0 elsewhere (the last entry repeats), so greedy decoding follows the script.
/// It allocates nothing per step.
/// </summary>
internal sealed class ScriptedTokenSession : IInferenceSession
{
    private readonly int[] script;
    private readonly float[] logits;
    private int step;

    public ScriptedTokenSession(int vocabularySize, IReadOnlyList<int> script, int contextLength = 4096)
    {
        VocabularySize = vocabularySize;
        ContextLength = contextLength;
        this.script = script.ToArray();
        logits = new float[vocabularySize];
    }

    public int VocabularySize { get; }

    public int ContextLength { get; }

    public ReadOnlySpan<float> Forward(int token, int position) => Next();

    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position) => Next();

    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position, System.Threading.CancellationToken cancellationToken) => Next();

    public void Reset() => step = 0;

    public void Dispose()
    {
    }

    private float[] Next()
    {
        Array.Clear(logits);
        logits[script[Math.Min(step, script.Length - 1)]] = 10;
        step++;
        return logits;
    }
}

/// <summary>A session whose every step gives the same logits (it allocates nothing per step).</summary>
internal sealed class FixedLogitsSession : IInferenceSession
{
    private readonly float[][] steps;
    private int step;

    /// <summary>Step k gives <paramref name="steps"/>[k % count].</summary>
    public FixedLogitsSession(int contextLength, params float[][] steps)
    {
        this.steps = steps;
        VocabularySize = steps[0].Length;
        ContextLength = contextLength;
    }

    public int VocabularySize { get; }

    public int ContextLength { get; }

    public ReadOnlySpan<float> Forward(int token, int position) => steps[step++ % steps.Length];

    public ReadOnlySpan<float> Prefill(ReadOnlySpan<int> tokens, int position, System.Threading.CancellationToken cancellationToken) =>
        steps[step++ % steps.Length];

    public void Reset() => step = 0;

    public void Dispose()
    {
    }
}

/// <summary>A tokenizer whose token i is the UTF-8 bytes given for it (token 0 is BOS, with no text).</summary>
internal sealed class FakeTokenizer : ITokenizer
{
    private readonly byte[][] pieces;

    public FakeTokenizer(params byte[][] pieces) => this.pieces = pieces;

    public FakeTokenizer(params string[] pieces)
        : this(pieces.Select(p => Encoding.UTF8.GetBytes(p)).ToArray())
    {
    }

    public int VocabularySize => pieces.Length;

    public int BosToken => 0;

    public int EosToken => -1;

    public IReadOnlyList<int> StopTokens => Array.Empty<int>();

    public int[] Encode(string text, bool addBos) => throw new NotSupportedException();

    public ReadOnlySpan<byte> DecodeBytes(int previousToken, int token) => pieces[token];

    public string Decode(int previousToken, int token) => Encoding.UTF8.GetString(pieces[token]);

    public string Decode(IEnumerable<int> tokens) => Encoding.UTF8.GetString(tokens.SelectMany(t => pieces[t]).ToArray());
}
