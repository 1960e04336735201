using System;
using BenchmarkDotNet.Running;
using Codegen.Benchmarks.Accuracy;
using Codegen.Benchmarks.Generic;
using Codegen.Benchmarks.Harness;
using Codegen.Benchmarks.LlamaCpp;
using Codegen.Benchmarks.Loading;
using Codegen.Benchmarks.Onnx;

// dotnet run -c Release --project benchmarks -- --anyCategories cpu --filter '*'   (see benchmarks/RESULTS.md; categories cpu, kernels, gpu, tokenizers)
// dotnet run -c Release --project benchmarks -- --prepare-huggingface   (seeded Hugging Face folders and ONNX graphs of the huggingface category)
// dotnet run -c Release --project benchmarks -- --check-generic   (the generic baseline against the generated code)
// dotnet run -c Release --project benchmarks -- --check-onnx   (the ONNX Runtime peer against the generated code)
// dotnet run -c Release --project benchmarks -- --check-onnx-huggingface   (the same on the SmolLM2 and Qwen2.5 shapes' random weights)
// dotnet run -c Release --project benchmarks -- --accuracy   (what bf16 and Q8 weights cost on stories260K)
// dotnet run -c Release --project benchmarks -- --random-checkpoints   (the 15M and 110M seeded checkpoints; prints their paths)
// dotnet run -c Release --project benchmarks -- --beside-llamacpp   (beside llama.cpp's llama-bench; see tools/llamacpp-bench/run.sh)
// dotnet run -c Release --project benchmarks -- --load-gpt2   (load time and peak memory of GPT-2 small's seeded random safetensors)
if (Array.IndexOf(args, LoadGpt2Command.ChildOption) is int child and >= 0)
{
    Environment.ExitCode = LoadGpt2Command.RunOnce(args[child + 1]);
    return;
}

if (Array.IndexOf(args, LoadGpt2Command.Option) >= 0)
{
    Environment.ExitCode = LoadGpt2Command.Run();
    return;
}

if (Array.IndexOf(args, "--accuracy") >= 0)
{
    QuantizationAccuracy.Run();
    return;
}

if (Array.IndexOf(args, RandomCheckpointsCommand.Option) >= 0)
{
    RandomCheckpointsCommand.Run();
    return;
}

if (Array.IndexOf(args, BesideLlamaCppCommand.Option) >= 0)
{
    Environment.ExitCode = BesideLlamaCppCommand.Run(args);
    return;
}

if (Array.IndexOf(args, HuggingFacePreparation.Option) >= 0)
{
    HuggingFacePreparation.Run();
    return;
}

if (Array.IndexOf(args, "--check-generic") >= 0)
{
    GenericParityCheck.RunAll(Console.Out);
    return;
}

if (Array.IndexOf(args, OnnxHuggingFaceCheckCommand.Option) >= 0)
{
    Environment.ExitCode = OnnxHuggingFaceCheckCommand.Run();
    return;
}

if (Array.IndexOf(args, OnnxCheckCommand.Option) >= 0)
{
    Environment.ExitCode = OnnxCheckCommand.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
