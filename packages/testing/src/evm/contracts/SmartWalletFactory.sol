// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SmartWallet} from "./SmartWallet.sol";

/// Creates `SmartWallet`s at CREATE2 addresses known before they exist (counterfactual wallets,
/// as ERC-4337 account factories do), so a wallet can hold tokens and sign ERC-6492 proofs
/// before it is deployed.
contract SmartWalletFactory {
    /// Deploys the wallet of `owner` and `salt`, or returns it when it already exists.
    function createWallet(address owner, bytes32 salt) public returns (SmartWallet) {
        address predicted = walletAddress(owner, salt);
        if (predicted.code.length > 0) return SmartWallet(payable(predicted));
        return new SmartWallet{salt: salt}(owner);
    }

    /// The address `createWallet(owner, salt)` deploys to.
    function walletAddress(address owner, bytes32 salt) public view returns (address) {
        bytes32 initCode = keccak256(abi.encodePacked(type(SmartWallet).creationCode, abi.encode(owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, initCode)))));
    }

    /// Deploys the owner's wallet and makes its first call in one transaction, as the first user
    /// operation of an ERC-4337 account does (initCode, then callData).
    function createAndExecute(bytes32 salt, address target, uint256 value, bytes calldata data) external {
        SmartWallet wallet = createWallet(msg.sender, salt);
        wallet.executeFor(msg.sender, target, value, data);
    }
}
