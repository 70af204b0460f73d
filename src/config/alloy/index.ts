/** @module Importing Grafana Alloy configurations: the Alloy syntax parser, the converter and the CLI subcommand. */
export type { AlloyFile, Attribute, Block, Expr, Position, Statement } from './ast.ts';
export { parseAlloy, parseAlloyExpression } from './parser.ts';
export { AlloySyntaxError } from './scanner.ts';
export type { AlloyValue, AlloyObject } from './values.ts';
export { ExportRef, RuntimeValue, UnknownValue, ConcatValue } from './values.ts';
export { Evaluator } from './evaluate.ts';
export type { ConversionNote, NoteSeverity } from './notes.ts';
export { formatNote } from './notes.ts';
export type { AlloyConversion } from './convert.ts';
export { convertAlloy } from './convert.ts';
export type { ImportAlloyIo } from './command.ts';
export { importAlloyCommand, processIo, IMPORT_ALLOY_USAGE } from './command.ts';
