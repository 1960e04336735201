namespace Codegen.Tests.Generator;

/// <summary>The declarations whose generated code is kept as snapshots, one per shape folder.</summary>
internal static class ModelShapes
{
    /// <summary>The llama2.c stories260K checkpoint's shape, in a namespace.</summary>
    public const string Stories260K = """
        using Codegen;

        namespace Samples.Stories;

        /// <summary>The stories260K model.</summary>
        [TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512)]
        public partial class Stories260K
        {
        }
        """;

    /// <summary>
    /// A Llama shape with grouped-query heads (3 queries a key/value head), odd sizes that are no
    /// multiple of any vector width, an untied unembedding, in the global namespace; its products
    /// are large enough that some steps are split over the worker pool.
    /// </summary>
    public const string OddGroupedQuery = """
        using Codegen;

        [TransformerModel(DModel = 288, Heads = 6, KvHeads = 2, Layers = 2, FfnDim = 770, Vocab = 1001, Context = 300, TiedEmbeddings = false)]
        internal partial class OddGroupedQuery
        {
        }
        """;

    /// <summary>A small GPT-2, every optional size left to its default.</summary>
    public const string Gpt2Small = """
        using Codegen;

        namespace Samples.Gpt;

        /// <summary>A small GPT-2 model.</summary>
        [TransformerModel(Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 5, Vocab = 1000, Context = 512)]
        public partial class Gpt2Small
        {
        }
        """;

    /// <summary><see cref="Gpt2Small"/> with the inspecting session: the same files, and one more.</summary>
    public const string InspectableGpt2Small = """
        using Codegen;

        namespace Samples.Gpt;

        /// <summary>A small GPT-2 model.</summary>
        [TransformerModel(Family = ModelFamily.Gpt2, DModel = 32, Heads = 4, Layers = 5, Vocab = 1000, Context = 512, Inspectable = true)]
        public partial class Gpt2Small
        {
        }
        """;

    /// <summary><see cref="Stories260K"/> with the inspecting session.</summary>
    public const string InspectableStories260K = """
        using Codegen;

        namespace Samples.Stories;

        /// <summary>The stories260K model.</summary>
        [TransformerModel(DModel = 64, Heads = 8, KvHeads = 4, Layers = 5, FfnDim = 172, Vocab = 512, Context = 512, Inspectable = true)]
        public partial class Stories260K
        {
        }
        """;
}
