namespace Codegen.Generation;

/// <summary>Why a generation ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced one of <see cref="GenerationOptions.StopTokens"/> (it is not returned).</summary>
    StopToken,

    /// <summary>The generated text reached one of <see cref="GenerationOptions.StopStrings"/> (it is not returned).</summary>
    StopString,

    /// <summary><see cref="GenerationOptions.MaxNewTokens"/> tokens were generated.</summary>
    Length,
}
