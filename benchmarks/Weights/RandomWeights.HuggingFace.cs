using System.IO;
using Codegen.Benchmarks.Harness;

namespace Codegen.Benchmarks.Weights;

internal static partial class RandomWeights
{
    /// <summary>
    /// A Hugging Face folder of <paramref name="shape"/>: its config.json (a copy of the repository's) and one F32
    /// model.safetensors with transformers' tensor names (<see cref="HuggingFaceTensors"/>), written if missing or if
    /// the repository's config.json has changed since. Qwen2.5-0.5B's file is about 2 GB; it is streamed, never held.
    /// </summary>
    public static string HuggingFaceFolder(HuggingFaceShape shape)
    {
        string folder = Path.Combine(RepositoryPaths.DataFolder, $"{shape.Name}-seed{Seed}");
        string config = Path.Combine(folder, "config.json");
        string weights = Path.Combine(folder, "model.safetensors");
        string wanted = File.ReadAllText(shape.ConfigPath);
        if (File.Exists(weights) && File.Exists(config) && File.ReadAllText(config) == wanted)
        {
            return folder;
        }

        Directory.CreateDirectory(folder);
        File.Delete(weights);
        WriteAtomically(config, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(wanted)));
        SafetensorsWriter.Write(weights, HuggingFaceTensors.For(shape), new SeededRandom(Seed + 2));
        return folder;
    }
}
