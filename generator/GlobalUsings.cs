// The emitters name the model family Family (Family.Llama, Family.Gpt2), the generator's name for it
// before the attribute contract became one shared file; the type is the shared ModelFamily.
global using Family = Codegen.Generator.Model.ModelFamily;
